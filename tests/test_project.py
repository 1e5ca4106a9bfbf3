import os
import subprocess
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from qualifications.models import Qualification

from .conftest import SEED_SLUG

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_match_the_models(db):
    output = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=output)

    assert "No changes detected" in output.getvalue()


def test_load_seed_loads_once_and_never_overwrites_edits(db):
    call_command("load_seed", verbosity=0)
    Qualification.objects.filter(slug=SEED_SLUG).update(title="Edited by staff")

    call_command("load_seed", verbosity=0)

    assert Qualification.objects.get(slug=SEED_SLUG).title == "Edited by staff"


# THE DEBIAN PACKAGES (.ci/debian-packages, installed by .ci/install-packages)

INSTALL_PACKAGES = ROOT / ".ci" / "install-packages"
ABSENT = "qualsite-no-such-package"


def install_packages(*args, as_nobody=False, **env):
    # Run as a user who is not root, whoever runs the suite (CI is root).
    become = ["runuser", "-u", "nobody", "--"] if as_nobody and os.getuid() == 0 else []
    return subprocess.run(
        [*become, str(INSTALL_PACKAGES), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def package_list():
    """A list of packages, readable by any user (the installer may run as nobody)."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)
        path = Path(folder) / "debian-packages"
        path.write_text(
            "# a comment\n"
            "[run]\n"
            f"{ABSENT}\n"
            "bash\n"
            f"{ABSENT}-but-its-command-is-here sh\n"
            "\n"
            "[test]\n"
            f"{ABSENT}-for-tests\n"
        )
        path.chmod(0o644)
        yield str(path)


def test_only_the_missing_packages_of_the_sections_asked_for_are_wanted(package_list):
    run_only = install_packages("--missing", "run", DEBIAN_PACKAGES=package_list)
    both = install_packages("--missing", "run", "test", DEBIAN_PACKAGES=package_list)

    assert run_only.stdout.splitlines() == [ABSENT]
    assert both.stdout.splitlines() == [ABSENT, f"{ABSENT}-for-tests"]


def test_a_section_the_list_lacks_is_an_error(package_list):
    result = install_packages("--missing", "nosuchsection", DEBIAN_PACKAGES=package_list)

    assert result.returncode == 2
    assert "[nosuchsection]" in result.stderr


def test_without_root_or_sudo_the_installer_says_what_to_run(package_list):
    result = install_packages(
        "run", as_nobody=True, DEBIAN_PACKAGES=package_list, SUDO="qualsite-no-such-sudo"
    )

    assert result.returncode == 1
    assert f"apt-get install --no-install-recommends {ABSENT}\n" in result.stderr


def test_with_nothing_missing_the_installer_does_nothing_and_says_nothing(tmp_path):
    installed = tmp_path / "debian-packages"
    installed.write_text("[run]\nbash\n")

    result = install_packages("run", DEBIAN_PACKAGES=str(installed))

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def sections():
    found, section = {}, None
    for line in (ROOT / ".ci" / "debian-packages").read_text().splitlines():
        if line.startswith("["):
            section = found.setdefault(line.strip("[]"), [])
        elif line and not line.startswith("#"):
            section.append(line.split()[0])
    return found


def test_the_docker_image_installs_the_packages_make_run_needs():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert set(sections()["run"]) <= set(dockerfile.split())
