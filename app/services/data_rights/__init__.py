"""GDPR-style data rights: tenant exports, tenant erasure, a user's own data."""
