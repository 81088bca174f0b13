package dev.moaflink.deploy.datasets;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 CSV: fields separated by commas, quoted with {@code "} (doubled inside), quoted fields may span lines
 * (CRLF inside them read as LF). Lenient where real files are not: a quote that does not start a field is a plain
 * character (MMLU's college_medicine_val.csv has one), as in Python's csv module.
 */
final class Csv {

    private Csv() {}

    /**
     * The rows of {@code text}; a trailing newline does not add an empty row.
     *
     * @throws IllegalArgumentException on a quote left open at the end of the text
     */
    static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false; // the current row has content (a field or a separator)
        boolean atFieldStart = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    continue; // a CRLF inside a quoted field is one line break, as outside
                } else {
                    field.append(c);
                }
            } else if (c == '"' && atFieldStart) {
                quoted = true;
                any = true;
                atFieldStart = false;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
                any = true;
                atFieldStart = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (any || field.length() > 0) {
                    row.add(field.toString());
                    rows.add(row);
                }
                row = new ArrayList<>();
                field.setLength(0);
                any = false;
                atFieldStart = true;
            } else {
                field.append(c); // a quote inside an unquoted field is a character (as Python's csv reads MMLU)
                any = true;
                atFieldStart = false;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("CSV: a quoted field is not closed at the end of the text");
        }
        if (any || field.length() > 0) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
