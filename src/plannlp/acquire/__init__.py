"""Acquire: discover and fetch plan pages politely, read their attachments, pick the plans
(document type), and watch portals for new ones."""
