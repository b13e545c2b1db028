"""HubSpot's CRM v3 objects for contacts, companies and deals: properties, records, search."""
