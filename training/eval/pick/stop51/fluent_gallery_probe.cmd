python3 -m training.gallery --add-sources fluent --probe-add training/eval/pick/stop51/fluent_gallery_probe.json (CPU, 2 cores, ~25 min)
