"""Copy one file out of a checked archive (zip or wheel, or tar with any compression) on the
controller: extract-member.py ARCHIVE MEMBER DEST. Written atomically; nothing else is unpacked.
DEST.sha256 (written after DEST) holds the file's SHA-256, which the host's copy is compared with.
Each run writes its own partial files, so two runs on one controller (ansible-playbook twice at once) may
extract the same file side by side: each replaces DEST with a whole copy."""

from __future__ import annotations

import hashlib
import os
import sys
import tarfile
import typing
import zipfile


def copy_hashing(source: typing.IO[bytes], out: typing.IO[bytes]) -> str:
    """Copy source to out; the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    while chunk := source.read(1 << 20):
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


def main() -> None:
    archive, member, dest = sys.argv[1:4]
    os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
    partial = f"{dest}.{os.getpid()}.part"
    try:
        digest = extract(archive, member, partial)
        os.replace(partial, dest)
        with open(partial, "w", encoding="ascii") as out:
            out.write(digest + "\n")
        os.replace(partial, f"{dest}.sha256")
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def extract(archive: str, member: str, partial: str) -> str:
    """MEMBER of ARCHIVE written to PARTIAL; its SHA-256. Exits with the reason when it cannot."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped, zipped.open(member) as source, open(partial, "wb") as out:
                return copy_hashing(source, out)
        with tarfile.open(archive) as tarred:
            member_file = tarred.extractfile(tarred.getmember(member))
            if member_file is None:
                sys.exit(f"extract: {member} in {os.path.basename(archive)} is not a regular file")
            with member_file, open(partial, "wb") as out:
                return copy_hashing(member_file, out)
    except KeyError:
        sys.exit(f"extract: {os.path.basename(archive)} has no file {member}; list its files (unzip -l or tar -tf) and correct extract")
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        sys.exit(f"extract: {os.path.basename(archive)}: {exc}")


if __name__ == "__main__":
    main()
