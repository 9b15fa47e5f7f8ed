#!/usr/bin/python3
"""Unpacks an OCI image layout tar into a root directory, applying the
layers in order (as a runtime would; whiteouts are not used by our image),
and prints the image config's JSON on stdout.

usage: extract_image.py IMAGE.oci.tar ROOT
"""
import io
import json
import sys
import tarfile


def main():
    image, root = sys.argv[1], sys.argv[2]
    with tarfile.open(image) as oci:
        def blob(digest):
            return oci.extractfile("blobs/sha256/" + digest.split(":")[1]).read()
        index = json.load(oci.extractfile("index.json"))
        manifest = json.loads(blob(index["manifests"][0]["digest"]))
        config = json.loads(blob(manifest["config"]["digest"]))
        for layer in manifest["layers"]:
            with tarfile.open(fileobj=io.BytesIO(blob(layer["digest"]))) as t:
                t.extractall(root, numeric_owner=True)
    print(json.dumps(config))


if __name__ == "__main__":
    main()
