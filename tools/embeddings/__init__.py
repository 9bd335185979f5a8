"""Sentence embeddings: the ``embeddings.embed`` tool agent and the helpers agents use."""
