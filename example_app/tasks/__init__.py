"""Handlers of the example task tracker."""
