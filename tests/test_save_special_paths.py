"""save() never destroys what is at the path: a pipe, a device or a socket is refused and left
as it is; a symbolic link is written through (the file it points to is replaced, atomically,
and the link stays a link), as torch.save writes through a link.

Devices are never touched here: a device is only pretended, by making os.stat report one for
a regular file in tmp_path (the file must come out unchanged).
"""

from __future__ import annotations

import os
import socket
import stat

import pytest

from stepgrad.nn import MLP

POSIX = os.name == "posix"
needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or not POSIX,
                                 reason="needs symbolic links")
needs_pipes = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def model(seed=2):
    return MLP(2, [3, 1], activation="tanh", seed=seed)


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@needs_pipes
def test_a_named_pipe_is_refused_and_stays_a_pipe(tmp_path):
    pipe = tmp_path / "f2"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match=r"^MLP\.save: cannot save to '.*f2': it is a named pipe, "
                                      r"not a regular file, so it was left as it is and nothing "
                                      r"was written"):
        model().save(pipe)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert leftovers(tmp_path) == []


@needs_pipes
@needs_links
def test_a_link_to_a_pipe_is_refused_and_both_stay(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    link = tmp_path / "link.json"
    link.symlink_to(pipe)
    with pytest.raises(OSError, match=r"link\.json' \(a link to '.*pipe'\): it is a named pipe"):
        model().save(link)
    assert os.path.islink(link) and stat.S_ISFIFO(os.lstat(pipe).st_mode)


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix sockets")
def test_a_socket_is_refused_and_stays_a_socket(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        try:
            server.bind(str(path))
        except OSError:  # a path too long for a socket on this machine
            pytest.skip("tmp_path is too long for a Unix socket")
        with pytest.raises(OSError, match=r"it is a socket, not a regular file"):
            model().save(path)
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


@pytest.mark.parametrize("kind", [stat.S_IFCHR, stat.S_IFBLK])
def test_a_device_is_refused_without_touching_it(tmp_path, monkeypatch, kind):
    """A regular file that os.stat reports as a device (the way /dev/null is one): refused,
    and the file is exactly as before (no temporary file made, no rename)."""
    fake = tmp_path / "null"
    fake.write_text("not a model")
    real_stat = os.stat

    def pretend(path, *args, **kwargs):
        info = real_stat(path, *args, **kwargs)
        if os.fspath(path) == str(fake):
            return os.stat_result((kind | 0o666, *tuple(info)[1:]))
        return info

    monkeypatch.setattr(os, "stat", pretend)
    with pytest.raises(OSError, match=r"'.*null': it is a device, not a regular file"):
        model().save(fake)
    monkeypatch.undo()
    assert fake.read_text() == "not a model"
    assert os.listdir(tmp_path) == ["null"]


@needs_links
def test_saving_to_a_link_updates_the_file_it_points_to(tmp_path):
    real = tmp_path / "m2.json"
    model(seed=5).save(real)
    link = tmp_path / "link.json"
    link.symlink_to("m2.json")  # relative, as `ln -s m2.json link.json`
    model(seed=2).save(link)
    assert os.path.islink(link) and os.readlink(link) == "m2.json"
    assert model(seed=9).load(real).state_dict() == model(seed=2).state_dict()
    assert model(seed=9).load(link).state_dict() == model(seed=2).state_dict()
    assert leftovers(tmp_path) == []


@needs_links
def test_the_temporary_file_is_made_next_to_the_target_and_renamed_over_it(tmp_path,
                                                                           monkeypatch):
    """Atomic through the link: the rename happens in the target's folder (a rename cannot
    cross file systems, and the link's folder may be elsewhere)."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    target = there / "model.json"
    model(seed=5).save(target)
    os.chmod(target, 0o640)
    link = here / "model.json"
    link.symlink_to(target)
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((os.fspath(src), os.fspath(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    model(seed=2).save(link)
    [(src, dst)] = calls
    assert os.path.dirname(src) == os.path.realpath(there)
    assert dst == os.path.realpath(target)
    assert os.path.islink(link)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # the target keeps its permissions
    assert model(seed=9).load(target).state_dict() == model(seed=2).state_dict()
    assert leftovers(here) == leftovers(there) == []


@needs_links
def test_a_chain_of_links_is_followed_to_the_end(tmp_path):
    real = tmp_path / "real.json"
    model(seed=5).save(real)
    (tmp_path / "a.json").symlink_to(real)
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    model(seed=2).save(tmp_path / "b.json")
    assert os.path.islink(tmp_path / "a.json") and os.path.islink(tmp_path / "b.json")
    assert model(seed=9).load(real).state_dict() == model(seed=2).state_dict()


@needs_links
def test_a_link_to_a_file_not_made_yet_creates_that_file(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    model(seed=2).save(link)
    assert os.path.islink(link)
    assert model(seed=9).load(tmp_path / "new.json").state_dict() == model(seed=2).state_dict()


@needs_links
def test_a_link_into_a_missing_folder_names_both(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "gone" / "new.json")
    with pytest.raises(FileNotFoundError, match=r"link\.json': it is a link to '.*gone.new\.json'"
                                                r", whose folder does not exist"):
        model().save(link)
    assert os.path.islink(link) and sorted(os.listdir(tmp_path)) == ["link.json"]


@needs_links
def test_a_circle_of_links_is_refused(tmp_path):
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    with pytest.raises(OSError, match=r"a\.json': it is a symbolic link that leads round in a "
                                      r"circle; nothing was written"):
        model().save(tmp_path / "a.json")
    assert os.path.islink(tmp_path / "a.json") and os.path.islink(tmp_path / "b.json")
    assert leftovers(tmp_path) == []


def test_a_regular_file_is_still_replaced_whole(tmp_path):
    path = tmp_path / "m.json"
    model(seed=5).save(path)
    model(seed=2).save(path)
    assert not os.path.islink(path)
    assert model(seed=9).load(path).state_dict() == model(seed=2).state_dict()
    assert os.listdir(tmp_path) == ["m.json"]
