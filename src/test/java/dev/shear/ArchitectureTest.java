package dev.shear;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/// The dependency rules of DESIGN.md, checked on every build.
@AnalyzeClasses(packages = "dev.shear", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule layers = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .withOptionalLayers(true)
            .layer("util").definedBy("dev.shear.util..")
            .layer("block").definedBy("dev.shear.block..")
            .layer("bitmap").definedBy("dev.shear.bitmap..")
            .layer("copy").definedBy("dev.shear.copy..")
            .layer("backup").definedBy("dev.shear.backup..")
            .layer("datacenter").definedBy("dev.shear.datacenter..")
            .layer("nbd").definedBy("dev.shear.nbd..")
            .layer("control").definedBy("dev.shear.control..")
            .layer("cli").definedBy("dev.shear.cli..")
            .layer("app").definedBy("dev.shear.app..")
            .layer("launcher").definedBy("dev.shear")
            .whereLayer("launcher").mayNotBeAccessedByAnyLayer()
            .whereLayer("app").mayOnlyBeAccessedByLayers("launcher")
            .whereLayer("cli").mayOnlyBeAccessedByLayers("launcher")
            .whereLayer("control").mayOnlyBeAccessedByLayers("cli", "app", "launcher")
            .whereLayer("nbd").mayOnlyBeAccessedByLayers("control", "cli", "app", "launcher")
            .whereLayer("datacenter").mayOnlyBeAccessedByLayers("nbd", "control", "cli", "app", "launcher")
            .whereLayer("backup").mayOnlyBeAccessedByLayers("datacenter", "nbd", "control", "cli", "app", "launcher")
            .whereLayer("copy").mayOnlyBeAccessedByLayers("backup", "datacenter", "nbd", "control", "cli", "app", "launcher")
            .whereLayer("bitmap").mayOnlyBeAccessedByLayers("copy", "backup", "datacenter", "nbd", "control", "cli", "app", "launcher")
            .whereLayer("block").mayOnlyBeAccessedByLayers("bitmap", "copy", "backup", "datacenter", "nbd", "control", "cli", "app", "launcher")
            .because("each layer is built on the ones below it (DESIGN.md, Layering): the block layer knows "
                    + "nothing of backups, the engine nothing of its front ends, so each can be tested and reused alone");

    @ArchTest
    static final ArchRule onlyTheAppUsesJavaFx = noClasses()
            .that().resideOutsideOfPackage("dev.shear.app..")
            .should().dependOnClassesThat().resideInAnyPackage("javafx..", "org.controlsfx..", "atlantafx..")
            .because("the engine and the CLI run without a display (servers, CI, the .deb's CLI); "
                    + "only the desktop app may touch JavaFX");

    @ArchTest
    static final ArchRule cliAndAppAreIndependent = noClasses()
            .that().resideInAPackage("dev.shear.cli..")
            .should().dependOnClassesThat().resideInAPackage("dev.shear.app..")
            .because("the CLI must start without JavaFX; the app goes to the engine, not through the CLI")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule appDoesNotUseCli = noClasses()
            .that().resideInAPackage("dev.shear.app..")
            .should().dependOnClassesThat().resideInAPackage("dev.shear.cli..")
            .because("the app calls the engine API directly; parsing command lines is the CLI's job")
            .allowEmptyShould(true);
}
