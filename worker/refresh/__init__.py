"""Token refresh: the single-flight refresher, its outcomes, backoff, lock, schedule and the
token provider the execute path asks for a usable access token.

One package because these modules change together: a refresh's rules (DESIGN section 8) are read
here end to end, and nothing outside imports their insides except the worker's runtime.
"""
