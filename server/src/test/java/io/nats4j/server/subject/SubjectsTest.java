package io.nats4j.server.subject;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubjectsTest {

    private static byte[] framed(String s) {
        // put the subject in the middle of a larger buffer to exercise off/len
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[b.length + 6];
        buf[0] = 'P';
        buf[1] = 'U';
        buf[2] = 'B';
        System.arraycopy(b, 0, buf, 3, b.length);
        buf[buf.length - 3] = ' ';
        buf[buf.length - 2] = '\r';
        buf[buf.length - 1] = '\n';
        return buf;
    }

    private static int len(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @ParameterizedTest(name = "''{0}'' valid={1} publish={2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "foo|true|true",
        "foo.bar|true|true",
        "foo.bar.baz|true|true",
        "*|true|false",
        ">|true|false",
        "foo.*|true|false",
        "foo.>|true|false",
        "*.bar|true|false",
        "foo.*.bar|true|false",
        "*.*.>|true|false",
        "foo*|true|true",
        "foo>.bar|true|true",
        "foo.b*r|true|true",
        "a.>b|true|true",
        "$SYS.REQ.SERVER.PING|true|true",
        "_INBOX.abc123.1|true|true",
        "ünïcode.subjéct|true|true",
        "\"\"|false|false",
        ".|false|false",
        ".foo|false|false",
        "foo.|false|false",
        "foo..bar|false|false",
        ">.foo|false|false",
        "foo.>.bar|false|false",
        "foo.>.>|false|false",
        "\"foo bar\"|false|false",
        "\"foo. bar\"|false|false",
        "\"foo.bar \"|false|false",
        "\" \"|false|false",
        "\"foo\tbar\"|false|false",
        "\"foo\rbar\"|false|false",
        "\"foo\nbar\"|false|false",
        "\"foo.\f\"|false|false",
    })
    void validSubjectAndPublishSubjectFollowNatsServerRules(String subject, boolean valid, boolean publish) {
        subject = unescape(subject);
        assertEquals(valid, Subjects.isValidSubject(subject), "string");
        assertEquals(valid, Subjects.isValidSubject(framed(subject), 3, len(subject)), "bytes");
        assertEquals(publish, Subjects.isValidPublishSubject(subject), "publish string");
        assertEquals(publish, Subjects.isValidPublishSubject(framed(subject), 3, len(subject)), "publish bytes");
    }

    private static String unescape(String s) {
        return s.replace("\\t", "\t").replace("\\r", "\r").replace("\\n", "\n").replace("\\f", "\f");
    }

    @ParameterizedTest(name = "''{0}'' literal={1} validLiteral={2} tokens={3}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "foo|true|true|1",
        "foo.bar.baz|true|true|3",
        "foo.*|false|false|2",
        "*|false|false|1",
        ">|false|false|1",
        "foo.>|false|false|2",
        "*foo|true|true|1",
        "foo.b>|true|true|2",
        "foo..bar|true|false|3",
        "foo.|true|false|2",
        "\"\"|true|false|0",
    })
    void literalChecksAndTokenCount(String subject, boolean literal, boolean validLiteral, int tokens) {
        assertEquals(literal, Subjects.isLiteral(subject));
        assertEquals(literal, Subjects.isLiteral(framed(subject), 3, len(subject)));
        assertEquals(validLiteral, Subjects.isValidLiteralSubject(subject));
        assertEquals(validLiteral, Subjects.isValidLiteralSubject(framed(subject), 3, len(subject)));
        assertEquals(tokens, Subjects.numTokens(subject));
        assertEquals(tokens, Subjects.numTokens(framed(subject), 3, len(subject)));
    }

    @ParameterizedTest(name = "queue ''{0}'' valid={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "workers|true",
        "q.1|true",
        "q*|true",
        ">|true",
        "\"\"|false",
        "\"a b\"|false",
        "\"a\tb\"|false",
    })
    void queueNames(String queue, boolean valid) {
        queue = unescape(queue);
        assertEquals(valid, Subjects.isValidQueueName(queue));
        assertEquals(valid, Subjects.isValidQueueName(framed(queue), 3, len(queue)));
    }

    @ParameterizedTest(name = "''{0}'' matched by ''{1}'' = {2}")
    @CsvSource(delimiter = '|', value = {
        "foo|foo|true",
        "foo|bar|false",
        "foo.bar|foo.bar|true",
        "foo.bar|foo.baz|false",
        "foo.bar|foo|false",
        "foo|foo.bar|false",
        "foo.bar|foo.*|true",
        "foo.bar|*.bar|true",
        "foo.bar|*.*|true",
        "foo.bar|*|false",
        "foo|*|true",
        "foo.bar.baz|foo.*|false",
        "foo.bar.baz|foo.*.baz|true",
        "foo.x.baz|foo.*.baz|true",
        "foo.bar.bat|foo.*.baz|false",
        "foo.baz|foo.*.baz|false",
        "foo.bar|foo.>|true",
        "foo.bar.baz|foo.>|true",
        "foo|foo.>|false",
        "foo|>|true",
        "foo.bar.baz|>|true",
        "foo.bar|*.>|true",
        "foo|*.>|false",
        "foobar|foo*|false",
        "foo*|foo*|true",
        "foo.bar|fo.>|false",
    })
    void literalSubjectAgainstFilter(String literal, String filter, boolean expected) {
        assertEquals(expected, Subjects.subjectMatches(literal, filter));
        byte[] l = framed(literal);
        byte[] f = framed(filter);
        assertEquals(expected, Subjects.subjectMatches(l, 3, len(literal), f, 3, len(filter)));
    }

    @ParameterizedTest(name = "''{0}'' subset of ''{1}'' = {2}")
    @CsvSource(delimiter = '|', value = {
        "foo.*|>|true",
        "foo.*|*.*|true",
        "foo.*|foo.*|true",
        "foo.*|foo.bar|false",
        "foo.*|foo.>|true",
        "foo.>|foo.*|false",
        "foo.>|foo.>|true",
        "foo.>|>|true",
        ">|foo.>|false",
        "*.bar|foo.*|false",
        "foo.*.baz|foo.>|true",
        "foo.*.baz|*.*.*|true",
        "foo.*.baz|foo.*|false",
    })
    void wildcardSubjectIsSubsetOfFilter(String subject, String filter, boolean expected) {
        assertEquals(expected, Subjects.isSubsetMatch(subject, filter));
    }
}
