"""Business logic shared by the JSON API, the pages and the command line.

Services add and flush; only the caller (a request or a command) commits.
"""
