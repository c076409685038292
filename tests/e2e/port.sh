# port.sh: free_port, sourced by tests/e2e/lib.sh and tests/golden/build.sh.
# free_port: a TCP port on 127.0.0.1 that nothing uses now, picked at random
# below the kernel's ephemeral range, so the outgoing connections of tests
# running at the same time cannot take it before the server binds it.
free_port() {
	python3 -c 'import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    p = random.randrange(max(1024, lo - 12000), lo)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
else:
    raise SystemExit("no free port")'
}
