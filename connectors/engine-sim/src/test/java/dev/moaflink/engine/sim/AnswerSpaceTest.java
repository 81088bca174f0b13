package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class AnswerSpaceTest {

    @Test
    void integerNearMissesMatchTheDecimalPath() {
        AnswerSpace.Numbers numbers = new AnswerSpace.Numbers();
        long bits = 12345;
        for (String gold : new String[] {"0", "7", "-7", "100", "2999", "-450000", "123456789012345678"}) {
            for (int i = 0; i < 200; i++) {
                bits = Seeds.mix(bits + i);
                String fast = numbers.wrong(gold, bits);
                assertEquals(AnswerSpace.Numbers.wrongDecimal(gold, bits), fast, gold + " with bits " + bits);
                assertNotEquals(gold, fast);
            }
        }
        assertEquals("4.5", AnswerSpace.Numbers.wrongDecimal("2.5", 2), "decimals keep their fraction");
    }
}
