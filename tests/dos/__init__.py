"""Denial of service: hostile diagrams and requests come back in seconds, others are served."""
