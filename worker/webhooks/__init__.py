"""Webhook delivery: the ``deliver_webhook`` actor's work and the scheduler's part (DESIGN s14)."""
