"""The API's views: ``base`` (language, problem documents), ``queue`` and ``cases`` (the
endpoints), ``schema`` (the OpenAPI schema and its documentation page), ``clients`` (the
managers' pages of API clients)."""
