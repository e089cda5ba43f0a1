# Kiln (images/python): matplotlib's font cache, built with the image, is
# copied into MPLCONFIGDIR (config/languages.yaml points it into the
# sandbox's fresh /tmp) when that does not exist yet, so that a program that
# plots does not scan the fonts again in every sandbox. Appended to Debian's
# sitecustomize.py, which every python3 start imports; a failure is harmless
# (matplotlib then builds its cache itself).
def _kiln_seed_matplotlib_cache():
    import os
    target = os.environ.get("MPLCONFIGDIR")
    source = "/usr/local/lib/kiln/matplotlib"
    if not target or os.path.exists(target):
        return
    try:
        os.makedirs(target, mode=0o700)
        for name in os.listdir(source):
            with open(os.path.join(source, name), "rb") as original, open(os.path.join(target, name), "wb") as copy:
                copy.write(original.read())
    except OSError:
        pass


_kiln_seed_matplotlib_cache()
del _kiln_seed_matplotlib_cache
