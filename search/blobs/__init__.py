"""Blob stores, chosen by URI scheme: a local folder, an in-process dict (tests), S3."""
