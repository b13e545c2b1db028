"""Store errors, under the project root (core.errors).

HubSpotActionsError
+-- ServiceUnavailable
|   +-- StoreUnavailable          the database cannot be reached or is locked past the timeout
+-- CredentialsUnreadable         a token ciphertext does not decrypt (wrong key, wrong row)
+-- KeyringError                  TOKEN_ENCRYPTION_KEYS or the key file is malformed
"""

from __future__ import annotations

from core.errors import ConfigurationError, HubSpotActionsError, ServiceUnavailable


class StoreUnavailable(ServiceUnavailable):
    """The database is down or locked: ``service_unavailable`` (the code is its parent's)."""


class CredentialsUnreadable(HubSpotActionsError):
    """Fails the job that needed the tokens, never the worker: other accounts carry on."""

    code = "credentials_unreadable"
    http_status = 409


class KeyringError(ConfigurationError):
    """A malformed key setting or file: ``configuration_error`` (the code is its parent's)."""
