"""The local HubSpot: a faithful stand-in reached only over HTTP.

Production code never imports it; only the CLI's ``sandbox`` and ``run`` commands start it.
"""
