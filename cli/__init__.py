"""The command line: the composition root above ``producer`` and ``worker``.

It may import both; the ``worker``, ``scheduler`` and ``run`` commands import the worker lazily so
``hubspot-actions tools list`` and friends stay cheap.
"""
