"""Container images: the MLI rules on Dockerfiles and Containerfiles (run by `ml-policy deps`)."""
