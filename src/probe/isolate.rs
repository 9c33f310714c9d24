//! `scopelint run --isolate`: CMD in a network namespace of its own whose only way out is the
//! enforcing proxy (Linux).
//!
//! The command is started with a `pre_exec` hook that runs in the forked child before `exec`:
//! it creates a user namespace (so no root is needed where the kernel allows unprivileged user
//! namespaces) and a network namespace, maps the caller's own uid and gid into it, brings the
//! namespace's loopback interface up, and binds a TCP listener on `127.0.0.1:`[`PROXY_PORT`]
//! there. The listener's descriptor goes back to this process over a unix socket pair made
//! before the fork (`SCM_RIGHTS`); then the child execs CMD. A socket stays in the namespace it
//! was created in, so this process accepts CMD's connections on that listener and serves them
//! with the proxy, while its own upstream connections leave from the host's namespace. Inside,
//! there is no interface but `lo` and no route: a direct TCP connection, UDP (DNS to any
//! resolver) or a raw socket has nowhere to go.
//!
//! Only async-signal-safe calls run in the child (no allocation: every buffer is prepared
//! before the fork). Where a step fails, the child tells this process which one over the socket
//! pair and CMD is not started: isolation is never silently skipped.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};

use super::ISOLATED_PROXY_PORT as PROXY_PORT;

/// The steps of the child's setup, in order; the failing one is reported to the parent.
const STEPS: &[&str] = &[
    "create a user and network namespace (unshare)",
    "deny setgroups in the user namespace (/proc/self/setgroups)",
    "map the user id into the namespace (/proc/self/uid_map)",
    "map the group id into the namespace (/proc/self/gid_map)",
    "bring the namespace's loopback interface up",
    "listen on the namespace's loopback interface",
    "hand the listener to scopelint",
    "drop the capabilities that could leave the namespace",
];

/// Why an isolated command was not started.
#[derive(Debug)]
pub enum IsolateError {
    /// A namespace step failed: which one, and the system's reason.
    Setup {
        step: &'static str,
        error: io::Error,
    },
    /// The command itself could not be executed (inside the namespace).
    Spawn(io::Error),
}

impl std::fmt::Display for IsolateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IsolateError::Setup { step, error } => write!(
                f,
                "cannot isolate the command: cannot {step}: {error}; user or network namespaces are not available here (kernel setting, container policy or seccomp). Nothing was run"
            ),
            IsolateError::Spawn(e) => write!(f, "{e}"),
        }
    }
}

/// Everything the child needs, prepared before the fork.
struct ChildSetup {
    /// The child's end of the socket pair.
    channel: RawFd,
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
    /// Whether the caller is root: a plain network namespace then also works where user
    /// namespaces are disabled (CMD then runs without any capability, see `child_setup`).
    root: bool,
}

/// Spawn `cmd` in a new network namespace; return the child and the proxy listener bound to
/// `127.0.0.1:`[`PROXY_PORT`] inside that namespace (non-blocking, ready for tokio).
pub fn spawn_isolated(cmd: &mut Command) -> Result<(Child, std::net::TcpListener), IsolateError> {
    let (parent, child) = socket_pair().map_err(|error| IsolateError::Setup {
        step: "create the socket pair that hands the listener over",
        error,
    })?;
    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let setup = ChildSetup {
        channel: child.as_raw_fd(),
        uid_map: format!("{uid} {uid} 1\n").into_bytes(),
        gid_map: format!("{gid} {gid} 1\n").into_bytes(),
        root: uid == 0,
    };
    // SAFETY: the hook only makes async-signal-safe system calls on memory prepared here.
    unsafe {
        cmd.pre_exec(move || child_setup(&setup));
    }
    let spawned = cmd.spawn();
    drop(child);
    let received = receive_fd(parent.as_raw_fd());
    let mut child_proc = match (spawned, &received) {
        (Ok(c), _) => c,
        // The hook said which step failed; the spawn error carries its errno.
        (Err(error), Received::Failed(step)) => {
            return Err(IsolateError::Setup {
                step: STEPS.get(*step).copied().unwrap_or("set up the namespace"),
                error,
            })
        }
        (Err(e), received) => {
            // Set up, then exec failed (no such command): the listener is not needed.
            if let Received::Listener(fd) = received {
                // SAFETY: the descriptor was just received and is owned here.
                drop(unsafe { OwnedFd::from_raw_fd(*fd) });
            }
            return Err(IsolateError::Spawn(e));
        }
    };
    let error = match received {
        Received::Listener(fd) => {
            // SAFETY: a listening TCP socket this process now owns.
            let listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
            match listener.set_nonblocking(true) {
                Ok(()) => return Ok((child_proc, listener)),
                Err(e) => e,
            }
        }
        Received::Failed(step) => io::Error::other(format!("step `{}` failed", STEPS[step])),
        Received::Nothing(e) => e,
    };
    // Started without a listener (cannot happen unless the hook was bypassed): stop it.
    let _ = child_proc.kill();
    let _ = child_proc.wait();
    Err(IsolateError::Setup {
        step: STEPS[6],
        error,
    })
}

/// What the child sent over the socket pair.
enum Received {
    /// The listener (passed with `SCM_RIGHTS`).
    Listener(RawFd),
    /// The index in [`STEPS`] that failed.
    Failed(usize),
    /// Nothing readable.
    Nothing(io::Error),
}

fn socket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds has room for the two descriptors.
    let r = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned here.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn receive_fd(channel: RawFd) -> Received {
    let mut tag = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: tag.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut control = [0u64; 8];
    // SAFETY: a zeroed msghdr is valid; the pointers set below outlive the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points at valid buffers.
    let n = unsafe {
        libc::recvmsg(
            channel,
            &mut msg,
            libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC,
        )
    };
    if n < 0 {
        return Received::Nothing(io::Error::last_os_error());
    }
    if n == 0 {
        return Received::Nothing(io::Error::other("nothing was handed over"));
    }
    if tag[0] != 0 {
        return Received::Failed(tag[0] as usize - 1);
    }
    // SAFETY: msg was filled by recvmsg; the header macros walk its control buffer.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if !cmsg.is_null()
            && (*cmsg).cmsg_level == libc::SOL_SOCKET
            && (*cmsg).cmsg_type == libc::SCM_RIGHTS
        {
            return Received::Listener(std::ptr::read_unaligned(
                libc::CMSG_DATA(cmsg) as *const RawFd
            ));
        }
    }
    Received::Nothing(io::Error::other("no descriptor in the hand-over message"))
}

/// Runs in the forked child: async-signal-safe system calls only, no allocation.
fn child_setup(s: &ChildSetup) -> io::Result<()> {
    // Report step `i` as failed (with the errno of the call that failed) and stop.
    let fail = |i: usize| -> io::Error {
        let e = io::Error::last_os_error();
        let tag = [i as u8 + 1];
        // SAFETY: sending one byte from a stack buffer.
        unsafe {
            libc::send(s.channel, tag.as_ptr().cast(), 1, libc::MSG_NOSIGNAL);
        }
        e
    };
    // SAFETY (whole block): plain system calls on stack memory and buffers made before the
    // fork; the child is single-threaded, as CLONE_NEWUSER requires.
    unsafe {
        let mut user_ns = true;
        if libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) != 0 {
            // Root may use a network namespace alone where user namespaces are disabled.
            if !s.root || libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(fail(0));
            }
            user_ns = false;
        }
        if user_ns {
            write_file(c"/proc/self/setgroups", b"deny").map_err(|_| fail(1))?;
            write_file(c"/proc/self/uid_map", &s.uid_map).map_err(|_| fail(2))?;
            write_file(c"/proc/self/gid_map", &s.gid_map).map_err(|_| fail(3))?;
        }
        loopback_up().map_err(|_| fail(4))?;
        let listener = listen_loopback().map_err(|_| fail(5))?;
        send_fd(s.channel, listener).map_err(|_| fail(6))?;
        libc::close(listener);
        // Without a user namespace CMD would still be root of the host's user namespace, and
        // CAP_SYS_ADMIN lets it `setns` back into the host's network namespace (CAP_NET_ADMIN
        // would let it move an interface in). Drop every capability, for good: the bounding
        // set so no exec (setuid or file capabilities) brings them back, then the sets.
        if !user_ns {
            drop_all_capabilities().map_err(|_| fail(7))?;
        }
    }
    Ok(())
}

/// Empty the bounding, permitted, effective and inheritable capability sets (which also clears
/// the ambient set) and set `no_new_privs`.
unsafe fn drop_all_capabilities() -> Result<(), ()> {
    // Capabilities are numbered from 0; past the kernel's last one PR_CAPBSET_DROP says EINVAL.
    for cap in 0..64 {
        if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) != 0
            && io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL)
        {
            return Err(());
        }
    }
    #[repr(C)]
    struct CapHeader {
        version: u32,
        pid: libc::c_int,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct CapData {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    // _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set.
    let mut header = CapHeader {
        version: 0x2008_0522,
        pid: 0,
    };
    let data = [CapData {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    if libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) != 0 {
        return Err(());
    }
    if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
        return Err(());
    }
    Ok(())
}

unsafe fn write_file(path: &std::ffi::CStr, data: &[u8]) -> Result<(), ()> {
    let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
    if fd < 0 {
        return Err(());
    }
    let n = libc::write(fd, data.as_ptr().cast(), data.len());
    let ok = n == data.len() as isize;
    libc::close(fd);
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

unsafe fn loopback_up() -> Result<(), ()> {
    let sock = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    if sock < 0 {
        return Err(());
    }
    let mut req: libc::ifreq = std::mem::zeroed();
    req.ifr_name[0] = b'l' as libc::c_char;
    req.ifr_name[1] = b'o' as libc::c_char;
    let ok = libc::ioctl(sock, libc::SIOCGIFFLAGS as _, &mut req) == 0 && {
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        libc::ioctl(sock, libc::SIOCSIFFLAGS as _, &mut req) == 0
    };
    libc::close(sock);
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

unsafe fn listen_loopback() -> Result<RawFd, ()> {
    let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
    if fd < 0 {
        return Err(());
    }
    let mut addr: libc::sockaddr_in = std::mem::zeroed();
    addr.sin_family = libc::AF_INET as libc::sa_family_t;
    addr.sin_port = PROXY_PORT.to_be();
    addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
    let bound = libc::bind(
        fd,
        (&addr as *const libc::sockaddr_in).cast(),
        std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
    ) == 0;
    if !bound || libc::listen(fd, 128) != 0 {
        libc::close(fd);
        return Err(());
    }
    Ok(fd)
}

unsafe fn send_fd(channel: RawFd, fd: RawFd) -> Result<(), ()> {
    let tag = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: tag.as_ptr() as *mut libc::c_void,
        iov_len: 1,
    };
    let mut control = [0u64; 8];
    let mut msg: libc::msghdr = std::mem::zeroed();
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as _;
    let cmsg = libc::CMSG_FIRSTHDR(&msg);
    if cmsg.is_null() {
        return Err(());
    }
    (*cmsg).cmsg_level = libc::SOL_SOCKET;
    (*cmsg).cmsg_type = libc::SCM_RIGHTS;
    (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as _;
    std::ptr::write_unaligned(libc::CMSG_DATA(cmsg) as *mut RawFd, fd);
    if libc::sendmsg(channel, &msg, libc::MSG_NOSIGNAL) == 1 {
        Ok(())
    } else {
        Err(())
    }
}
