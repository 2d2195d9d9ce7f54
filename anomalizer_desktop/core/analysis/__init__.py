"""Analysis on top of the library: evaluation against labelled corpora, explanations, maps."""
