"""The catalogue's public API under /api/v1/products/: list, detail, quote and recommendations.

`views.py` holds one API class per operation, `serializers.py` their input and output
serializers (every 2xx body is described in the OpenAPI schema), `urls.py` the routes.
"""
