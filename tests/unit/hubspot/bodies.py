"""HubSpot response bodies quoted in /work/shared/hubspot-facts.md (facts, copied as fixtures)."""

from __future__ import annotations

from typing import Any

#: §2.1 official doc example.
VALIDATION_DOC_EXAMPLE: dict[str, Any] = {
    "status": "error",
    "message": "This will be a human readable message with details about the error.",
    "errors": [
        {
            "message": "discount was not a valid number",
            "code": "INVALID_INTEGER",
            "context": {"propertyName": ["discount"]},
        }
    ],
    "category": "VALIDATION_ERROR",
    "correlationId": "a43683b0-5717-4ceb-80b4-104d02915d8c",
}

#: §2.2 expired access token.
EXPIRED_AUTHENTICATION: dict[str, Any] = {
    "status": "error",
    "message": "The OAuth token used to make this call expired 0 second(s) ago.",
    "correlationId": "019cd9fe-d093-7d4f-99bc-45975fdcf7c6",
    "category": "EXPIRED_AUTHENTICATION",
    "context": {"expire time": ["2026-03-10T23:04:41.164Z"]},
}

#: §2.3 missing or unknown token.
INVALID_AUTHENTICATION: dict[str, Any] = {
    "status": "error",
    "message": (
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
        "you can find more details at https://developers.hubspot.com/docs/methods/auth/"
        "oauth-overview"
    ),
    "correlationId": "01a10182-76b4-7d86-95ab-44aa7ab95b8d",
    "category": "INVALID_AUTHENTICATION",
}

DEALS_READ_SCOPES = [
    "crm.schemas.deals.read",
    "crm.objects.deals.sensitive.read.v2",
    "crm.objects.deals.read",
    "crm.objects.deals.highly_sensitive.read.v2",
]

#: §2.4 official example (requiredGranularScopes).
MISSING_SCOPES: dict[str, Any] = {
    "status": "error",
    "message": (
        "This app hasn't been granted all required scopes to make this call. Read more about "
        "required scopes here: https://developers.hubspot.com/scopes."
    ),
    "correlationId": "dc49c0a8-9952-4937-aad4-e322b1e5cee0",
    "errors": [
        {
            "message": "One or more of the following scopes are required.",
            "context": {"requiredGranularScopes": DEALS_READ_SCOPES},
        }
    ],
    "links": {"scopes": "https://developers.hubspot.com/scopes"},
    "category": "MISSING_SCOPES",
}

#: §2.5 official example: create a company with an unknown property.
VALIDATION_UNKNOWN_PROPERTY: dict[str, Any] = {
    "status": "error",
    "message": (
        'Property values were not valid: [{"isValid":false,"message":"Property \\"testproperty\\"'
        ' does not exist","error":"PROPERTY_DOESNT_EXIST","name":"testproperty",'
        '"localizedErrorMessage":"Property \\"testproperty\\" does not exist",'
        '"portalId":{HubId}}]'
    ),
    "correlationId": "8a3f6c3a-8296-4002-b0a6-2a06fecf7c0c",
    "errors": [
        {
            "message": 'Property "testproperty" does not exist',
            "code": "PROPERTY_DOESNT_EXIST",
            "context": {"propertyName": ["testproperty"]},
        }
    ],
    "category": "VALIDATION_ERROR",
}

#: §2.6 duplicate contact email.
CONFLICT: dict[str, Any] = {
    "status": "error",
    "message": "Contact already exists. Existing ID: 37765128953",
    "correlationId": "2dea5219-07f2-40ce-82ec-9c2e302317a4",
    "category": "CONFLICT",
}

#: §2.7 non-numeric id (note the two spaces after "found.").
OBJECT_NOT_FOUND: dict[str, Any] = {
    "status": "error",
    "message": "Object not found.  objectId are usually numeric.",
    "correlationId": "5b1c4f6e-0d3a-4b8e-9a4e-6f7c2d1e0a9b",
    "context": {"id": ["email%40company.org?properties=phone&idProperty=email"]},
    "category": "OBJECT_NOT_FOUND",
}

#: §2.7 numeric id that does not exist: no ``category``.
RESOURCE_NOT_FOUND: dict[str, Any] = {
    "status": "error",
    "message": "resource not found",
    "correlationId": "7d0e2a1f-3c4b-4d5e-8f9a-0b1c2d3e4f5a",
}

#: §2.7 the HTML 404 HubSpot briefly returned in 2022.
HTML_404 = (
    b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
    b"<body><h1>Not Found</h1><p>The page you requested was not found.</p></body></html>"
)

#: §2.8 official daily-limit example.
RATE_LIMIT_DAILY: dict[str, Any] = {
    "status": "error",
    "message": "You have reached your daily limit.",
    "errorType": "RATE_LIMIT",
    "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
    "policyName": "DAILY",
    "requestId": "3d3e35b7-0dae-4b9f-a6e3-9c230cbcf8dd",
}

#: §2.8 burst limit.
RATE_LIMIT_TEN_SECONDLY: dict[str, Any] = {
    "status": "error",
    "message": "You have reached your ten_secondly_rolling limit.",
    "errorType": "RATE_LIMIT",
    "correlationId": "c93e06a4-1111-2222-3333-444455556666",
    "policyName": "TEN_SECONDLY_ROLLING",
    "groupName": "publicapi:hapikey-api-calls-ten-secondly:6748263",
}

#: §2.8 search (secondly) limit.
RATE_LIMIT_SECONDLY: dict[str, Any] = {
    "status": "error",
    "message": "You have reached your secondly limit.",
    "errorType": "RATE_LIMIT",
    "correlationId": "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    "policyName": "SECONDLY",
    "requestId": "9f8e7d6c-5b4a-3210-fedc-ba9876543210",
}

#: §1.3 documented v3 token response.
TOKEN_SUCCESS: dict[str, Any] = {
    "token_type": "bearer",
    "refresh_token": "na1-aaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "access_token": "xxxx-access-token-from-the-docs",
    "hub_id": 1234567,
    "scopes": ["oauth", "crm.objects.contacts.write", "crm.objects.contacts.read"],
    "expires_in": 1800,
}

#: §1.5 official v3 standardized body.
BAD_REFRESH_TOKEN_V3: dict[str, Any] = {
    "error": "invalid_grant",
    "error_description": "refresh token is invalid, expired or revoked",
    "status": "BAD_REFRESH_TOKEN",
    "message": "refresh token is invalid, expired or revoked",
}

#: §1.5 older v1 body.
BAD_REFRESH_TOKEN_V1: dict[str, Any] = {
    "status": "BAD_REFRESH_TOKEN",
    "message": "missing or invalid refresh token",
}

#: §1.5 the unconfirmed ``invalid_request`` + BAD_REFRESH_TOKEN variant.
BAD_REFRESH_TOKEN_INVALID_REQUEST: dict[str, Any] = {
    "error": "invalid_request",
    "status": "BAD_REFRESH_TOKEN",
}

#: §1.5 RFC 6749 only.
INVALID_GRANT_ONLY: dict[str, Any] = {"error": "invalid_grant"}

#: §1.5 code exchange failures (hubspot-api-python#115).
EXPIRED_AUTH_CODE: dict[str, Any] = {
    "status": "EXPIRED_AUTH_CODE",
    "message": "auth code is expired",
}
BAD_AUTH_CODE: dict[str, Any] = {
    "status": "BAD_AUTH_CODE",
    "message": "missing or unknown auth code",
}
