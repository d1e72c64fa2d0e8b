package io.nats4j.server.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Reads PEM certificates and private keys as nats-server (Go's {@code crypto/tls}) accepts them:
 * certificates from every CERTIFICATE block, the key from the first block whose type ends in
 * "PRIVATE KEY": PKCS#8, PKCS#1 RSA or SEC1 EC. Encrypted keys are refused, as in nats-server.
 * Blocking file I/O: call at startup, never on an event loop.
 */
public final class PemFiles {

    /** One PEM block: its type ("CERTIFICATE", "RSA PRIVATE KEY", ...), headers present, and its bytes. */
    record Block(String type, boolean hasHeaders, byte[] der) {
    }

    private static final String RSA_OID = "1.2.840.113549.1.1.1";
    private static final String EC_OID = "1.2.840.10045.2.1";

    private PemFiles() {
    }

    /** Every certificate in the file, in order. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<Block> blocks = blocks(read(file));
        if (blocks.isEmpty()) {
            throw new IOException("tls: failed to find any PEM data in certificate input");
        }
        List<X509Certificate> out = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                } else {
                    skipped.add(b.type());
                }
            }
        } catch (CertificateException e) {
            throw new IOException("x509: malformed certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException("tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping"
                    + " PEM blocks of the following types: " + skipped);
        }
        return out;
    }

    /** The first private key in the file. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        List<Block> blocks = blocks(read(file));
        if (blocks.isEmpty()) {
            throw new IOException("tls: failed to find any PEM data in key input");
        }
        for (Block b : blocks) {
            if (b.type().equals("PRIVATE KEY") || b.type().endsWith(" PRIVATE KEY")) {
                return decodeKey(b);
            }
        }
        throw new IOException("tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input");
    }

    static PrivateKey decodeKey(Block b) throws IOException {
        if (b.hasHeaders() || b.type().equals("ENCRYPTED PRIVATE KEY")) {
            throw new IOException("tls: encrypted private keys are not supported");
        }
        try {
            return switch (b.type()) {
                case "PRIVATE KEY" -> pkcs8(b.der());
                case "RSA PRIVATE KEY" -> pkcs8(wrapPkcs1(b.der()));
                case "EC PRIVATE KEY" -> pkcs8(wrapSec1(b.der()));
                default -> throw new IOException("tls: unsupported private key type \"" + b.type() + "\"");
            };
        } catch (IllegalArgumentException e) {
            throw new IOException("tls: failed to parse private key: " + e.getMessage(), e);
        }
    }

    /** A PKCS#8 key; the algorithm is taken from its AlgorithmIdentifier. */
    static PrivateKey pkcs8(byte[] der) throws IOException {
        List<Der.Element> top = Der.read(der).children();
        if (top.size() < 3 || top.get(1).tag() != Der.SEQUENCE) {
            throw new IOException("tls: failed to parse private key: not a PKCS#8 structure");
        }
        String oid = Der.oid(top.get(1).children().get(0).content());
        String algorithm = switch (oid) {
            case RSA_OID -> "RSA";
            case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
            case EC_OID -> "EC";
            case "1.3.101.112" -> "Ed25519";
            case "1.3.101.113" -> "Ed448";
            default -> throw new IOException("tls: unsupported private key algorithm " + oid);
        };
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException("tls: failed to parse private key: " + e.getMessage(), e);
        }
    }

    /** PKCS#1 RSAPrivateKey into PKCS#8 PrivateKeyInfo. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        Der.read(pkcs1); // well-formed
        byte[] algorithm = Der.encode(Der.SEQUENCE, Der.encode(Der.OID, oidBytes(RSA_OID)), Der.encode(Der.NULL));
        return Der.encode(Der.SEQUENCE, Der.encode(Der.INTEGER, new byte[] {0}), algorithm,
                Der.encode(Der.OCTET_STRING, pkcs1));
    }

    /** SEC1 ECPrivateKey (with its curve in [0]) into PKCS#8 PrivateKeyInfo. */
    static byte[] wrapSec1(byte[] sec1) {
        byte[] curve = null;
        for (Der.Element e : Der.read(sec1).children()) {
            if (e.tag() == 0xa0) {
                Der.Element oid = e.children().get(0);
                if (oid.tag() == Der.OID) {
                    curve = oid.encoded();
                }
            }
        }
        if (curve == null) {
            throw new IllegalArgumentException("EC private key without a named curve");
        }
        byte[] algorithm = Der.encode(Der.SEQUENCE, Der.encode(Der.OID, oidBytes(EC_OID)), curve);
        return Der.encode(Der.SEQUENCE, Der.encode(Der.INTEGER, new byte[] {0}), algorithm,
                Der.encode(Der.OCTET_STRING, sec1));
    }

    static byte[] oidBytes(String dotted) {
        String[] parts = dotted.split("\\.");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long[] arcs = new long[parts.length - 1];
        arcs[0] = Long.parseLong(parts[0]) * 40 + Long.parseLong(parts[1]);
        for (int i = 2; i < parts.length; i++) {
            arcs[i - 1] = Long.parseLong(parts[i]);
        }
        for (long arc : arcs) {
            int groups = 1;
            for (long t = arc >>> 7; t != 0; t >>>= 7) {
                groups++;
            }
            for (int g = groups - 1; g >= 0; g--) {
                int b = (int) ((arc >>> (7 * g)) & 0x7f);
                out.write(g == 0 ? b : b | 0x80);
            }
        }
        return out.toByteArray();
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IOException("open " + file + ": no such file or directory", e);
        }
    }

    /** The PEM blocks of a text, in order; text outside blocks is ignored (as Go's pem.Decode does). */
    static List<Block> blocks(String text) throws IOException {
        List<Block> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", pos);
            if (begin < 0) {
                return out;
            }
            int typeEnd = text.indexOf("-----", begin + 11);
            if (typeEnd < 0) {
                return out;
            }
            String type = text.substring(begin + 11, typeEnd);
            String endMarker = "-----END " + type + "-----";
            int end = text.indexOf(endMarker, typeEnd + 5);
            if (end < 0) {
                throw new IOException("tls: PEM block \"" + type + "\" has no END line");
            }
            String body = text.substring(typeEnd + 5, end);
            boolean headers = false;
            StringBuilder b64 = new StringBuilder(body.length());
            for (String line : body.split("\r?\n")) {
                if (line.indexOf(':') >= 0) {
                    headers = true;
                    continue;
                }
                b64.append(line.strip());
            }
            try {
                out.add(new Block(type.toUpperCase(Locale.ROOT), headers, Base64.getMimeDecoder().decode(b64.toString())));
            } catch (IllegalArgumentException e) {
                throw new IOException("tls: bad base64 in PEM block \"" + type + "\"", e);
            }
            pos = end + endMarker.length();
        }
    }
}
