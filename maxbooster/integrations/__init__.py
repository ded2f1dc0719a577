"""Adapters to outside services (broker, payments, delivery, social networks, storage backends)."""
