"""A Drupal/composer project tree as the lab's `drush` and `composer` stand-ins see it."""

import os
import re

import labcommon as lab


def find_root(start):
    """The composer root: the nearest directory upwards holding composer.json."""
    path = os.path.abspath(start)
    while True:
        if os.path.isfile(os.path.join(path, "composer.json")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


class Project:
    def __init__(self, root, misbehave):
        self.root = root
        self.mb = misbehave
        self.state = lab.load_json(lab.lab_file(root, "state.json"), {})
        self.updates = lab.updates(root)
        self.composer = lab.load_json(os.path.join(root, "composer.json"), {})
        self.lock = lab.load_json(os.path.join(root, "composer.lock"), {"packages": [], "packages-dev": []})

    def save_state(self):
        lab.save_json(lab.lab_file(self.root, "state.json"), self.state)

    def save_lock(self):
        lab.save_json(os.path.join(self.root, "composer.lock"), self.lock)

    def save_composer(self):
        lab.save_json(os.path.join(self.root, "composer.json"), self.composer)

    def drupal_root(self):
        for sub in ("web", "docroot", "."):
            if os.path.isfile(os.path.join(self.root, sub, "core", "lib", "Drupal.php")):
                return os.path.normpath(os.path.join(self.root, sub))
        return None

    def drupal_version(self):
        root = self.drupal_root()
        if not root:
            return ""
        with open(os.path.join(root, "core", "lib", "Drupal.php"), encoding="utf-8") as f:
            m = re.search(r"const VERSION = '([^']+)';", f.read())
        return m.group(1) if m else ""

    def set_drupal_version(self, version):
        path = os.path.join(self.drupal_root(), "core", "lib", "Drupal.php")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(re.sub(r"const VERSION = '[^']+';", "const VERSION = '%s';" % version, text))

    def packages(self, dev=True):
        return list(self.lock.get("packages", [])) + (list(self.lock.get("packages-dev", [])) if dev else [])

    def installed(self, name):
        for p in self.packages():
            if p["name"] == name:
                return p["version"]
        return None

    def set_installed(self, name, version):
        for p in self.packages():
            if p["name"] == name:
                p["version"] = version
                break
        else:
            self.lock.setdefault("packages", []).append({"name": name, "version": version, "type": "library"})
            self.lock["packages"].sort(key=lambda x: x["name"])
        self.save_lock()
        # drupal/core's own version file follows the package, as a real `composer require` would install it.
        if name == "drupal/core" and self.drupal_root():
            self.set_drupal_version(version.lstrip("v"))

    def settings(self):
        root = self.drupal_root()
        path = os.path.join(root, "sites", "default", "settings.php") if root else ""
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (FileNotFoundError, TypeError):
            return {}
        return dict(re.findall(r"'(database|username|password|host|port|driver)'\s*=>\s*'([^']*)'", text))

    def advisories_for(self, name, version):
        found = []
        for adv in self.updates.get("advisories", {}).get(name, []):
            if lab.constraint_matches(adv["affectedVersions"], version):
                found.append(adv)
        return found
