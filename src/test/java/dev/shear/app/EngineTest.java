package dev.shear.app;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/// Base of the view-model tests: a fresh small demo datacenter and [AppContext] per test.
abstract class EngineTest {
    @TempDir
    Path root;
    EngineFixture fx;

    @BeforeEach
    void openDatacenter() throws Exception {
        fx = new EngineFixture(root);
    }

    @AfterEach
    void closeContext() {
        fx.close();
    }
}
