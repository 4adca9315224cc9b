"""Text the MLLM trains on: a lexicon built from open packages (build_lexicon) and the
generators of prompts, instructions and questions that read it (phrases, prompts)."""
