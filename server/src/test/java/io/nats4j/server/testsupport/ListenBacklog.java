package io.nats4j.server.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The accept backlog of a listening TCP port on this machine, as {@code ss -ltn} shows it (Linux only). */
public final class ListenBacklog {

    private ListenBacklog() {
    }

    /** True when {@code ss} and the kernel's somaxconn can be read here. */
    public static boolean available() {
        return Files.isReadable(Path.of("/proc/sys/net/core/somaxconn")) && ssCommand() != null;
    }

    /** The kernel's upper bound for any listen backlog (what nats-server asks for). */
    public static int somaxconn() throws IOException {
        // read line-wise: procfs reports a size of 0, and Files.readString can return a single byte of it
        return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).trim());
    }

    /** The backlog of the socket listening on 127.0.0.1:{@code port} (Send-Q of its LISTEN line). */
    public static int of(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ssCommand(), "-ltnH", "sport = :" + port).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("ss did not finish");
        }
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].equals("LISTEN")) {
                return Integer.parseInt(f[2]);
            }
        }
        throw new IOException("no listening socket on port " + port + " in: " + out);
    }

    private static String ssCommand() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path ss = Path.of(dir, "ss");
            if (!dir.isEmpty() && Files.isExecutable(ss)) {
                return ss.toString();
            }
        }
        return null;
    }
}
