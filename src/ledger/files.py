"""Every file the ledger writes for a clerk — reports, charts, backups — is written here.

The rules, checked before anything is written and again just before the rename:

* a file name has no control or format characters (they would be echoed to the terminal);

* never the ledger's own store, nor its ``-wal``, ``-shm`` or ``-journal`` files
  (compared by resolved path and by device and inode, so a symlink or a hard link to
  the store is caught too);
* never anything but a regular file: a device (``/dev/full``), a FIFO, a directory, or
  a symlink to one of them, is refused and left as it is;
* an existing file only when the clerk asked for it (``--force``);
* written whole or not at all: the bytes go to a temporary file in the same directory,
  are flushed to disk (fsync), and replace the old file in one rename (``os.replace``).
  A full disk or any other system error removes the temporary file, leaves the old file
  as it was, and is reported in Chinese.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from ledger.errors import LedgerError, MalformedInput
from ledger.text import visible

#: the files SQLite keeps beside a database while it works on it
STORE_SIBLINGS = ("", "-wal", "-shm", "-journal")


class FileRefused(LedgerError):
    """A file the ledger writes is never its own store, never a device, FIFO or directory,
    and never an existing file unless the clerk asked to overwrite it (``--force``)."""


class WriteFailed(LedgerError):
    """A file is written whole or not at all: on a system error the old file stays as it was."""


def check_target(path: str | Path, *, force: bool, protected: Iterable[Path] = ()) -> Path:
    """The resolved path a file may be written to, or :class:`FileRefused` saying why not."""
    text = visible(str(path), label="输出文件名")
    if not text.strip():
        raise MalformedInput("输出文件名不能为空")
    target = Path(text).expanduser()
    resolved = target.resolve()
    for store in protected:
        for sibling in (Path(f"{store}{suffix}") for suffix in STORE_SIBLINGS):
            if resolved == sibling.resolve() or _same_file(resolved, sibling):
                raise FileRefused(
                    f"不能写入 {text}：这是账簿本身的数据库文件（{sibling}），写入会毁掉账簿；请另选文件名"
                )
    try:
        info = os.stat(resolved)
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise WriteFailed(f"无法检查文件 {text}：{_reason(e)}") from None
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(
                f"不能写入 {text}：它是{_kind(info.st_mode)}，不是普通文件；请给出一个普通文件的路径"
            )
        if not force:
            raise FileRefused(f"文件 {text} 已存在：如要覆盖请加 --force，否则请换一个文件名")
    if not resolved.parent.is_dir():
        raise FileRefused(f"不能写入 {text}：目录 {resolved.parent} 不存在")
    return resolved


def write_file(
    path: str | Path,
    write: Callable[[BinaryIO], None],
    *,
    force: bool,
    protected: Iterable[Path] = (),
) -> Path:
    """Write a file whole: ``write`` fills a temporary file that then replaces ``path``.

    Returns the resolved path written. The checks of :func:`check_target` are made first;
    nothing is created if they refuse.
    """
    protected = list(protected)
    target = check_target(path, force=force, protected=protected)
    existing = target.exists()
    kept = "原有文件保持不变" if existing else "没有留下不完整的文件"
    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as e:
        raise WriteFailed(f"未能写入 {path}：{_reason(e)}；{kept}。") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode) if existing else _default_mode())
        check_target(path, force=force or existing, protected=protected)  # nothing swapped in meanwhile
        os.replace(temporary, target)
        _sync_directory(target.parent)
    except OSError as e:
        _remove(temporary)
        raise WriteFailed(f"未能写入 {path}：{_reason(e)}；{kept}。") from None
    except BaseException:
        _remove(temporary)
        raise
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "目录"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def _reason(e: OSError) -> str:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘空间不足，请腾出空间后重试"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "没有写入权限"
    if e.errno == errno.EROFS:
        return "文件系统是只读的"
    name = errno.errorcode.get(e.errno or 0, "未知")
    return f"系统错误 {name}（{e.strerror or type(e).__name__}）"


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; some systems cannot open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
