"""CLAP (HTS-AT) audio embeddings from the official laion-clap checkpoints, offline."""
