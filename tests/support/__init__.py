"""Helpers several test folders share: settings-file grants and a dashboard served for a browser."""
