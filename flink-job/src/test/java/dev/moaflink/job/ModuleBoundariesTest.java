package dev.moaflink.job;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the job must not carry onto a cluster's classpath (its test classpath holds its runtime dependencies). */
@Timeout(10)
class ModuleBoundariesTest {

    @Test
    void theJobReadsPlacementPlansWithoutTheSchedulersOptaPlannerAndDrools() {
        for (String name : new String[] {"org.optaplanner.core.api.solver.SolverFactory",
                "org.drools.core.BaseConfiguration", "dev.moaflink.scheduler.placement.PlacementSolver"}) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(name), name);
        }
    }
}
