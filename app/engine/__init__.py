"""The SpiffWorkflow wrapper. It depends on no web or database code."""
