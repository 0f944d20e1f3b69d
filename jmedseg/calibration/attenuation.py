"""X-ray attenuation of the reference tissues and of K2HPO4, and the HU they read at an effective energy.

A CT number is HU = 1000 (mu_material - mu_water) / mu_water at the beam's effective
energy. Fat, muscle, blood and bone mineral change their HU differently with the
energy (fat and bone mineral strongly, muscle and blood little), which is what lets
an internal calibration find a scan's effective energy from its own tissues
(Michalski et al., Med Eng Phys 2020) and what makes kVp change bone HU (docs/calibration.md).

Mass attenuation coefficients mu/rho (cm^2/g) at 30-100 keV: NIST X-ray mass attenuation
tables (Hubbell & Seltzer, NISTIR 5632; ICRU-44 tissue compositions) for water, dry air,
adipose tissue, whole blood and skeletal muscle; NIST XCOM for K2HPO4; iodine (element 53) from the
NIST element table. Densities (g/cm^3):
ICRU-44 for muscle (1.05), air 0.001205, solid K2HPO4 2.44; fat and blood at the values that give
the HU they read in vivo at 120 kVp rather than ICRU-44's reference tissue (0.95 and 1.06 g/cm^3 would put
subcutaneous fat near -78 HU and unenhanced blood near 56 HU at 70 keV, where measured fat reads about -100 HU
and unenhanced aortic blood 35-50 HU): fat 0.925, blood 1.05.
"""
import numpy as np

ENERGIES_KEV = np.array([30.0, 40.0, 50.0, 60.0, 80.0, 100.0])
MASS_ATTENUATION = {                               # cm^2/g at ENERGIES_KEV
    "water": (0.3756, 0.2683, 0.2269, 0.2059, 0.1837, 0.1707),
    "air": (0.3538, 0.2485, 0.2080, 0.1875, 0.1662, 0.1541),
    "fat": (0.3063, 0.2396, 0.2123, 0.1974, 0.1800, 0.1688),
    "blood": (0.3852, 0.2715, 0.2278, 0.2057, 0.1827, 0.1695),
    "muscle": (0.3783, 0.2685, 0.2262, 0.2048, 0.1823, 0.1693),
    "k2hpo4": (1.975, 0.9327, 0.5573, 0.3890, 0.2508, 0.1972),
    "iodine": (8.486, 22.10, 12.32, 7.583, 3.510, 1.942),   # K-edge at 33.2 keV: valid from 40 keV up
}
DENSITY = {"water": 1.0, "air": 0.001205, "fat": 0.925, "blood": 1.05, "muscle": 1.05, "k2hpo4": 2.44}
REFERENCE_TISSUES = ("air", "fat", "muscle", "blood")
ENERGY_RANGE_KEV = (40.0, 95.0)   # effective energies of clinical CT (80-140 kVp behind a patient)


def mass_attenuation(material, energy_kev):
    """mu/rho (cm^2/g) of `material` at `energy_kev`, interpolated log-log between the table's energies."""
    table = np.log(MASS_ATTENUATION[material])
    return np.exp(np.interp(np.log(energy_kev), np.log(ENERGIES_KEV), table))


def tissue_hu(material, energy_kev, density=None):
    """HU of `material` (its ICRU-44 density unless `density` g/cm^3 is given) at `energy_kev`."""
    rho = DENSITY[material] if density is None else density
    ratio = rho * mass_attenuation(material, energy_kev) / mass_attenuation("water", energy_kev)
    return 1000.0 * (ratio - 1.0)


def k2hpo4_hu_per_mg(energy_kev):
    """HU added by 1 mg/cm^3 of K2HPO4 dissolved in water (it displaces 1/2.44 of its mass in water volume).

    This is what a QCT phantom's rods are (K2HPO4 solutions, Cann & Genant 1980), so a
    bone that reads like c mg/cm^3 of this solution has a K2HPO4-equivalent density of c.
    """
    ratio = mass_attenuation("k2hpo4", energy_kev) / mass_attenuation("water", energy_kev)
    return ratio - 1.0 / DENSITY["k2hpo4"]   # 1000 HU per g/cm^3 = 1 HU per mg/cm^3


def iodine_hu_per_mg_ml(energy_kev):
    """HU added by 1 mg/ml of iodine in water (about 25 HU at 120 kVp, 40 at 80 kVp); from 40 keV up."""
    return 1.0 * mass_attenuation("iodine", energy_kev) / mass_attenuation("water", energy_kev)


def effective_energy_kev(kvp):
    """Typical effective energy of a `kvp` beam behind an adult abdomen (filtration and beam hardening).

    About 0.35 kVp + 30 keV: 58 keV at 80 kVp, 72 keV at 120 kVp, 79 keV at 140 kVp, within the
    range measured behind water phantoms of patient size; scanners differ by a few keV.
    """
    return 0.35 * float(kvp) + 30.0
