package io.nats4j.server;

import io.nats4j.server.protocol.Json;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The files a running server leaves for other programs: nats-server's pid file ({@code pid_file}) and ports
 * file ({@code ports_file_dir}/{@code <exe>_<pid>.ports}), written once the listeners are bound and removed at
 * shutdown.
 */
final class ServerFiles {

    private Path pidFile;
    private Path portsFile;

    /** Writes the pid file; {@code file} null = none. */
    void writePidFile(Path file) throws IOException {
        if (file == null) {
            return;
        }
        try {
            Files.writeString(file, Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new IOException("Could not write pidfile: " + e.getMessage(), e);
        }
        pidFile = file;
    }

    /** Writes {@code {"nats":["nats://host:port",...]}} for the client listener; {@code dir} null = none. */
    void writePortsFile(Path dir, String host, int clientPort) throws IOException {
        if (dir == null) {
            return;
        }
        String exe = System.getProperty("nats4j.exe", "nats4j");
        Path file = dir.resolve(exe + "_" + ProcessHandle.current().pid() + ".ports");
        StringBuilder json = new StringBuilder("{\"nats\":[");
        List<String> hosts = advertisedHosts(host);
        for (int i = 0; i < hosts.size(); i++) {
            Json.quote(i == 0 ? json : json.append(','), "nats://" + hostPort(hosts.get(i), clientPort));
        }
        json.append("]}");
        try {
            Files.writeString(file, json.toString());
        } catch (IOException e) {
            throw new IOException("Error writing ports file (" + file + "): " + e.getMessage(), e);
        }
        portsFile = file;
    }

    /** Removes both files (best effort, at shutdown). */
    void delete() {
        deleteQuietly(pidFile);
        deleteQuietly(portsFile);
    }

    /** {@code host:port}, with brackets around an IPv6 host. */
    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The addresses a listener on {@code host} can be reached at (all interfaces for 0.0.0.0). */
    static List<String> advertisedHosts(String host) {
        List<String> out = new ArrayList<>();
        if (!host.equals("0.0.0.0") && !host.equals("::")) {
            out.add(host);
            return out;
        }
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address || host.equals("::")) {
                        out.add(a.getHostAddress().replaceAll("%.*$", ""));
                    }
                }
            }
        } catch (IOException e) {
            out.add("127.0.0.1");
        }
        if (out.isEmpty()) {
            out.add("127.0.0.1");
        }
        return out;
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort at shutdown
            }
        }
    }
}
