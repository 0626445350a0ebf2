"""Reading a request: parameters, casting, bodies, forms, uploads, defaults, media types."""
