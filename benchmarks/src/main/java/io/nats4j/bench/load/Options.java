package io.nats4j.bench.load;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The command-line handling the comparison mains share: {@code --key value} pairs over defaults. */
final class Options {

    private Options() {
    }

    /**
     * Puts each {@code --key value} of {@code args} into {@code opt}, whose keys (with their defaults) are the only
     * ones known; an unknown key or a missing value prints {@code usage} and exits with 64.
     */
    static Map<String, String> parse(Map<String, String> opt, String[] args, String usage) {
        for (int i = 0; i < args.length; i++) {
            String k = args[i].replaceFirst("^--", "");
            if (!opt.containsKey(k) || i + 1 >= args.length) {
                System.err.println("bad option " + args[i] + "\n" + usage);
                System.exit(64);
            }
            opt.put(k, args[++i]);
        }
        return opt;
    }

    /** The comma-separated names of {@code --scenarios}; empty for all. */
    static List<String> scenarios(Map<String, String> opt) {
        String s = opt.get("scenarios");
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.split(","));
    }
}
