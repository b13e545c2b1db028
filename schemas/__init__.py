"""Pydantic contracts and pure data: tool inputs, job and account views, messages. No I/O."""
