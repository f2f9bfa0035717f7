# SPDX-License-Identifier: GPL-2.0
# The kexec selftest of the Rust loaders (test_kexec_rust.sh, KTAP on the
# console), with this guest's signed bzImage and UKI.
. /tests/lib.sh
cd /mnt/kselftest/kexec || { echo "KT: fail no /mnt/kselftest/kexec"; finish; }
KEXEC_RS_IMAGE=/mnt/images/bzImage KEXEC_RS_UKI=/mnt/images/uki/signed \
	KT_LOAD=/mnt/kselftest/kexec/qemu/kt_load ./test_kexec_rust.sh
echo "KT: kselftest rc=$?"
