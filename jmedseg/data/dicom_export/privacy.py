"""Who is who stays in COHORT/private/: outputs carry salted hashes of the UIDs, never names, IDs or birth dates.

A subject id is `s` + the first 12 hex digits of SHA-256(salt + StudyInstanceUID),
a patient key `p` + the same of the PatientID (or, without one, the name and birth
date), a series key `e` + the same of the SeriesInstanceUID. The salt is 32
random bytes made once per cohort (private/salt.txt) and reused when the import
is run again, so ids stay stable; without it the hashes cannot be recomputed
from a UID someone knows. private/ids.csv maps every hashed id back to the
original UIDs and IDs for the user who keeps it.

`keep_ids=True` (for exports already de-identified) uses the original UIDs and
PatientID as ids instead; they still go through `jmedseg.data.ids.check_id`.
"""
import hashlib
import os
import secrets

from jmedseg.data.ids import check_id

HASH_DIGITS = 12    # 48 bits: a collision among 20,000 studies has a probability of about 1e-6


class Pseudonyms:
    """Hashed (or, with keep_ids, original) ids for studies, patients and series of one cohort."""

    def __init__(self, private_dir, keep_ids=False):
        self.keep_ids = keep_ids
        path = os.path.join(private_dir, "salt.txt")
        if os.path.isfile(path):
            with open(path) as f:
                self.salt = f.read().strip()
        else:
            from jmedseg.utils.files import atomic_write_text

            os.makedirs(private_dir, exist_ok=True)
            self.salt = secrets.token_hex(32)
            atomic_write_text(path, self.salt + "\n")
            os.chmod(path, 0o600)

    def _hash(self, prefix, text):
        return prefix + hashlib.sha256((self.salt + text).encode()).hexdigest()[:HASH_DIGITS]

    def study(self, study_uid):
        return check_id(study_uid, "study id (StudyInstanceUID)") if self.keep_ids else self._hash("s", study_uid)

    def series(self, series_uid):
        return check_id(series_uid, "series id (SeriesInstanceUID)") if self.keep_ids else self._hash("e", series_uid)

    def patient(self, record):
        """The patient key of an index record: PatientID, else name and birth date (never empty for a person)."""
        who = str(record.get("PatientID", "")).strip()
        if self.keep_ids and who:
            return check_id(who, "patient id (PatientID)")
        if not who:
            who = f"{record.get('PatientName', '')}|{record.get('PatientBirthDate', '')}"
        if who == "|":   # nothing tells who it is: the study stands for its own person
            who = "study:" + str(record.get("StudyInstanceUID", ""))
        return self._hash("p", who)
