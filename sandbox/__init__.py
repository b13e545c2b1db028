"""The local HubSpot: a faithful stand-in reached only over HTTP; production code never imports it."""
