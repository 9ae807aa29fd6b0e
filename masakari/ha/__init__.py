"""Business rules of the API resources, between controllers and the DB."""
