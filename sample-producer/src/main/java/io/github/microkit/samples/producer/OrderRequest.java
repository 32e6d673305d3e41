package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.ApiError;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /orders} body (DESIGN.md, "HTTP"): 1 to 100 items, quantity 1 to 1000, prices as
 * decimal strings. {@link #parse(byte[])} reports every problem of a body in one 400 answer, so a client
 * fixes its request once, not once per field.
 */
record OrderRequest(String customerId, List<Item> items) {

    static final int MAX_ITEMS = 100;
    static final int MAX_QUANTITY = 1000;
    private static final int MAX_ID_LENGTH = 64;
    private static final int MAX_PROBLEMS_SHOWN = 10;
    /** A non-negative decimal with up to 10 integer and 4 fraction digits, as a string: no binary floats. */
    private static final Pattern PRICE = Pattern.compile("(0|[1-9][0-9]{0,9})(\\.[0-9]{1,4})?");
    /** Visible ASCII, so ids are safe to log and to put in headers. */
    private static final Pattern ID = Pattern.compile("[\\x21-\\x7e]{1," + MAX_ID_LENGTH + "}");

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    record Item(String sku, int quantity, String unitPrice) {
    }

    /** @throws ApiError 400 naming every problem (never echoing more than a field's path) */
    static OrderRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            // Jackson's location is useful and holds no content of the body
            throw ApiError.badRequest("The body is not valid JSON (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ").");
        } catch (IOException e) {
            throw ApiError.badRequest("The body could not be read.");
        }
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw ApiError.badRequest("The body must be a JSON object: {\"customerId\": ..., \"items\": [...]}.");
        }
        List<String> problems = new ArrayList<>();
        unknownFields(root, Set.of("customerId", "items"), "", problems);
        String customerId = id(root, "customerId", "customerId", problems);
        List<Item> items = new ArrayList<>();
        JsonNode itemsNode = root.get("items");
        if (itemsNode == null || itemsNode.isNull()) {
            problems.add("items is required");
        } else if (!itemsNode.isArray()) {
            problems.add("items must be an array");
        } else if (itemsNode.isEmpty() || itemsNode.size() > MAX_ITEMS) {
            problems.add("items must hold 1 to " + MAX_ITEMS + " items, not " + itemsNode.size());
        } else {
            for (int i = 0; i < itemsNode.size(); i++) {
                item(itemsNode.get(i), "items[" + i + "]", problems).ifPresent(items::add);
            }
        }
        if (!problems.isEmpty()) {
            List<String> shown = problems.subList(0, Math.min(problems.size(), MAX_PROBLEMS_SHOWN));
            String more = problems.size() > shown.size() ? " (and " + (problems.size() - shown.size()) + " more)" : "";
            throw ApiError.badRequest("Invalid order: " + String.join("; ", shown) + more + ".");
        }
        return new OrderRequest(customerId, List.copyOf(items));
    }

    /** The order as one canonical string: two bodies that differ only in spacing or key order are the same order. */
    String canonical() {
        StringBuilder sb = new StringBuilder(customerId).append('\n');
        for (Item item : items) {
            sb.append(item.sku()).append(' ').append(item.quantity()).append(' ').append(item.unitPrice()).append('\n');
        }
        return sb.toString();
    }

    private static Optional<Item> item(JsonNode node, String path, List<String> problems) {
        if (node == null || !node.isObject()) {
            problems.add(path + " must be an object with sku, quantity and unitPrice");
            return Optional.empty();
        }
        int before = problems.size();
        unknownFields(node, Set.of("sku", "quantity", "unitPrice"), path + ".", problems);
        String sku = id(node, "sku", path + ".sku", problems);
        int quantity = 0;
        JsonNode q = node.get("quantity");
        if (q == null || q.isNull()) {
            problems.add(path + ".quantity is required");
        } else if (!q.isIntegralNumber() || !q.canConvertToInt() || q.intValue() < 1 || q.intValue() > MAX_QUANTITY) {
            problems.add(path + ".quantity must be an integer from 1 to " + MAX_QUANTITY);
        } else {
            quantity = q.intValue();
        }
        String unitPrice = "";
        JsonNode p = node.get("unitPrice");
        if (p == null || p.isNull()) {
            problems.add(path + ".unitPrice is required");
        } else if (!p.isTextual() || !PRICE.matcher(p.textValue()).matches()) {
            problems.add(path + ".unitPrice must be a decimal string such as \"12.50\"");
        } else {
            unitPrice = p.textValue();
        }
        return problems.size() == before ? Optional.of(new Item(sku, quantity, unitPrice)) : Optional.empty();
    }

    private static String id(JsonNode parent, String field, String path, List<String> problems) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            problems.add(path + " is required");
        } else if (!node.isTextual() || !ID.matcher(node.textValue()).matches()) {
            problems.add(path + " must be a string of 1 to " + MAX_ID_LENGTH + " visible ASCII characters");
        } else {
            return node.textValue();
        }
        return "";
    }

    private static void unknownFields(JsonNode node, Set<String> known, String prefix, List<String> problems) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                // the name comes from the client: show it only when it is short and printable
                String shown = name.length() <= 32 && name.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? name : "?";
                problems.add(prefix + shown + " is not a known field");
            }
        }
    }
}
