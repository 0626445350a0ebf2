"""Handlers, security and the CRUD view of the example task tracker."""
