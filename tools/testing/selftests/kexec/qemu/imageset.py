# SPDX-License-Identifier: GPL-2.0
"""A directory of test images and the index file that lists them."""

import os


class ImageSet:
    """Writes images into `out` and remembers one index row per image."""

    def __init__(self, out):
        self.out = out
        self.rows = []
        os.makedirs(out, exist_ok=True)

    def put(self, name, data, *fields):
        """Writes image `name`; its index row is the name and `fields`."""
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(bytes(data))
        self.add(name, *fields)

    def add(self, name, *fields):
        """Lists an image written by someone else (e.g. sbsign)."""
        self.rows.append((name, *fields))

    def write_index(self, filename):
        with open(os.path.join(self.out, filename), "w") as f:
            for row in self.rows:
                f.write(" ".join(str(x) for x in row) + "\n")
        return len(self.rows)
