# Kiln (images/python): matplotlib's font cache, built with the image, is
# copied into MPLCONFIGDIR (config/languages.yaml points it into the
# sandbox's fresh /tmp) when that does not exist yet, so that a program that
# plots does not scan the fonts again in every sandbox. Appended to Debian's
# sitecustomize.py, which every python3 start imports; the copy is made only
# when the program first imports matplotlib (a finder that answers nothing
# and steps aside), so a program that never plots pays nothing for it; a
# failure is harmless (matplotlib then builds its cache itself).
import sys


class _KilnMatplotlibCache:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "matplotlib":
            sys.meta_path.remove(_KilnMatplotlibCache)
            _KilnMatplotlibCache.seed()
        return None

    @staticmethod
    def seed():
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


sys.meta_path.insert(0, _KilnMatplotlibCache)
