"""HubSpot's OAuth 2.0 side: app and portal registry, codes and tokens, consent, token endpoints."""
