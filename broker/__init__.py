"""The Redis side that producers and workers share (DESIGN section 0): the Dramatiq broker and its
wake-ups, dispatch (enqueue), the job and refresh schedules, done notifications, shared counters,
key names, and the parts every long-lived process builds.

Cheap to import: the web process imports it to enqueue, so nothing here loads the executor,
refresher or rate limiter, and nothing connects until a message is sent or consumed.
"""
